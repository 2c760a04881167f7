"""The enrolments' kind of background job (jobs.services): a lottery among many."""

from __future__ import annotations

from courses.models import Session
from enrollments.services import LOTTERY_JOB, lottery_run, lottery_summary
from jobs.models import Job
from jobs.services import JobResult, Progress, job_kind


@job_kind(LOTTERY_JOB)
def lottery(job: Job, progress: Progress) -> JobResult:
    """The draw (enrollments.services.lottery_run, under the session's lock); its result is the
    session's page."""
    params = job.params
    drawn = lottery_run(
        session=Session.objects.get(pk=params["session"]), actor=job.owner,
        seed=params["seed"], before_close=params["before_close"],
    )  # fmt: skip
    return JobResult(link=job.link, summary=lottery_summary(drawn))
