"""The accompaniment's mails: its opening told to the structure and the region's ARS; the daily reminder of
overdue plan actions, sent to the structure at most once per action and day however often the task runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from acss.accompaniment import services
from acss.accompaniment.models import ActionState, OverdueReminder, PlanTemplate
from acss.accompaniment.tasks import remind_overdue_plan_actions
from acss.incidents.models import Case, CaseState


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def _run():
        with django_capture_on_commit_callbacks(execute=True):
            return remind_overdue_plan_actions.enqueue().return_value

    return _run


def opened(world, capture):
    Case.objects.filter(declaration=world.decl_a).update(state=CaseState.QUALIFIED)
    with capture(execute=True):
        return services.accompaniment_open(
            by=world.personas["analyst"],
            declaration=world.decl_a,
            template=PlanTemplate.objects.get(slug="rancongiciel"),
        )


def test_the_opening_is_told_to_the_structure_and_the_regions_ars(world, django_capture_on_commit_callbacks):
    opened(world, django_capture_on_commit_callbacks)
    (message,) = [m for m in mail.outbox if "Accompagnement ouvert" in m.subject]
    assert {"declarant@a.test", "manager@a.test", "agent@ars-idf.test"} <= set(message.to)
    assert not {"agent@ars-occ.test", "declarant@b.test", "officier@dgs.test"} & set(message.to)
    assert "Le plan compte déjà 10 actions." in message.body


def test_an_overdue_action_is_reminded_once_a_day(world, run, django_capture_on_commit_callbacks):
    accompaniment = opened(world, django_capture_on_commit_callbacks)
    first, second = accompaniment.actions.all()[:2]
    accompaniment.actions.exclude(pk__in=[first.pk, second.pk]).update(due_on=timezone.localdate() + timedelta(days=3))
    accompaniment.actions.filter(pk__in=[first.pk, second.pk]).update(due_on=timezone.localdate() - timedelta(days=1))
    mail.outbox.clear()
    assert run() == 2
    (message,) = mail.outbox
    assert "actions en retard" in message.subject and "declarant@a.test" in message.to
    assert first.title in message.body and second.title in message.body
    assert run() == 0 and run() == 0
    assert len(mail.outbox) == 1
    assert OverdueReminder.objects.count() == 2
    # The next day, still overdue: reminded again, once.
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert services.plan_actions_remind_overdue(today=tomorrow) == 2
    assert services.plan_actions_remind_overdue(today=tomorrow) == 0


def test_no_reminder_for_a_done_action_or_a_closed_accompaniment(world, run, django_capture_on_commit_callbacks):
    accompaniment = opened(world, django_capture_on_commit_callbacks)
    accompaniment.actions.update(due_on=timezone.localdate() - timedelta(days=1), state=ActionState.DONE)
    mail.outbox.clear()
    assert run() == 0
    accompaniment.actions.update(state=ActionState.TODO)
    services.accompaniment_close(by=world.personas["analyst"], declaration=world.decl_a)
    assert run() == 0
    assert mail.outbox == []
    # Not yet due: nothing either.
    assert services.plan_actions_remind_overdue(today=timezone.localdate() - timedelta(days=1)) == 0
