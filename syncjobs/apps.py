from django.apps import AppConfig


class SyncjobsConfig(AppConfig):
    name = "syncjobs"
    verbose_name = "Sync jobs and webhooks"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from syncjobs.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
