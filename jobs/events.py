"""What the jobs app tells the apps above it."""

from __future__ import annotations

import django.dispatch

# Sent once a job has ended (done or failed), after its row says so; `job` is the Job.
job_finished = django.dispatch.Signal()
