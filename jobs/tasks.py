"""Celery tasks: thin adapters around the jobs services."""

from __future__ import annotations

from celery import shared_task

from jobs import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_jobs(job_ids: list[int]) -> None:
    """Run the jobs (each once, whoever else was handed them)."""
    for job_id in job_ids:
        services.job_run(job_id)


@shared_task
def sweep_jobs() -> int:
    return services.jobs_sweep()
