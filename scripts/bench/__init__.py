"""Modules of ``scripts/bench_task_force_page.py``: the synthetic volume (``volume``), the
gunicorn under test (``server``) and the load generators (``load``)."""
