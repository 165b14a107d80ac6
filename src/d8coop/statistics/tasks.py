"""Background tasks of the statistics module, run by the worker (`d8coop worker`)."""

from django_tasks import task

from d8coop.statistics import imports


@task()
def import_upload(upload_id: int) -> str:
    """Import an upload received from the web or the API (safe to run twice)."""
    return imports.upload_process(upload_id).status
