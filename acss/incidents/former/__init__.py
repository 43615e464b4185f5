"""The migration history of the two applications the incident was split into before it became one.

``declarations`` and ``cases`` created the tables the incident's models still use (``declarations_*``,
``cases_*``). They hold no model and no code any more, only their migrations, so that a database created before
the move keeps its rows: their last migrations hand every model over to ``incidents`` and ``reflexes``
without touching a table. They stay installed until every database has applied those migrations; then they can
be squashed away.
"""
