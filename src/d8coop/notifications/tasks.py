"""Background tasks of notifications, run by the worker (`d8coop worker`)."""

from django_tasks import task

from d8coop.notifications import services


@task()
def email_notices(notification_ids: list[int]) -> int:
    """E-mail the notices just recorded to the recipients who take their kind at once.

    Enqueued after the recording transaction commits; safe to run twice (see the service).
    """
    return services.notifications_email_at_once(notification_ids=notification_ids)
