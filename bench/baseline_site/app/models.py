from django.db import models


class Hit(models.Model):
    """One row per request of the baseline. Its own table name, so it cannot collide with an ACSS table."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bench_baseline_hit"
