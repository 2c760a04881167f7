"""Retention and erasure (消去, issue 21): what is past the ward's retention periods is erased or
anonymised, one person is erased on request, and each run leaves a deletion report.

- A person erased keeps their registry row, places, attendance, results and history — the
  statistics they contributed — under a pseudonym; what identifies them (name, kana, e-mail,
  birth date, gender, ages, dates of hire and promotion, the registry's change log, their login
  account, their named free text, their e-mail deliveries and inbox) is gone.
- The audit trail is cut through the hash chains' own path (audit.chain.cut), so it stays
  verifiable across the cut.
- Each erased person is named in the report only by a keyed hash (``person_hash``), and
  written to the erasure journal outside the database, so a restored backup taken before the
  erasure can be erased again (``erasures_reapply``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import CompletionReport, SurveyAnswer
from audit import chain
from audit.models import AccessLog, AuditEvent, ChainSeal, SubjectView
from audit.services import audit_event_record
from enrollments.models import ACTIVE, Enrollment
from jobs.models import Job
from learning.models import Material
from lib.japanese import fold
from lifecycle import report as report_files
from lifecycle.models import Basis, DeletionReport, Erasure
from notices.models import Delivery, Notice
from reports.models import HistoryImport
from trainees.models import RosterImport, Trainee, TraineeChange, TraineeStatus, User

ERASED_NAME = "（消去済み）"
logger = logging.getLogger(__name__)


def _key() -> bytes:
    return hmac.new(settings.AUDIT_HEAD_KEY.encode(), b"erasure", hashlib.sha256).digest()


def person_hash(staff_number: str, organisation_code: str = "") -> str:
    """Who was erased, as HMAC-SHA256 of the staff number (folded: full-width digits as typed
    with the IME match) and, for external staff, their organisation's code — so an auditor can
    confirm a named person was erased without the report holding their name."""
    body = f"{fold(staff_number).upper()}|{organisation_code}".encode()
    return hmac.new(_key(), body, hashlib.sha256).hexdigest()


def _hash_of(trainee: Trainee) -> str:
    return person_hash(trainee.staff_number,
                       trainee.organisation.code if trainee.is_external else "")  # fmt: skip


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)
    erased: list[dict[str, str]] = field(default_factory=list)
    trainee_ids: list[int] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)  # categories that could not be erased

    def add(self, category: str, n: int) -> None:
        if n:
            self.counts[category] = self.counts.get(category, 0) + n


def has_open_place(trainee: Trainee, today: datetime.date) -> bool:
    return Enrollment.objects.filter(
        trainee=trainee, status__in=ACTIVE, session__days__date__gte=today
    ).exists()


def _anonymise(trainee: Trainee) -> None:
    """The person's identifying data gone; their row, places and results stay, pseudonymous."""
    pseudonym = f"X{trainee.pk:09d}"
    Trainee.objects.filter(pk=trainee.pk).update(
        staff_number=pseudonym, name=ERASED_NAME, name_kana="", email="", gender="",
        birth_date=None, age=None, age_as_of=None, hire_date=None, promotion_date=None,
        search_text="", status=TraineeStatus.LEFT, user=None, updated_at=timezone.now(),
    )  # fmt: skip
    TraineeChange.objects.filter(trainee=trainee).delete()
    Delivery.objects.filter(trainee=trainee).update(email="")
    texts = SurveyAnswer.objects.filter(response__enrollment__trainee=trainee).exclude(text="")
    texts.update(text="")
    for report in CompletionReport.objects.filter(enrollment__trainee=trainee):
        _blank_report(report)
    if trainee.user_id:
        user = User.objects.get(pk=trainee.user_id)
        Notice.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        user.username = f"erased-{user.pk}"
        user.full_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()


_RATING = re.compile(r"^\d{1,2}$")


def _blank_report(report: CompletionReport) -> bool:
    """A report's written answers and review comment blanked (ratings stay: statistics)."""
    answers = {k: (v if isinstance(v, str) and _RATING.match(v) else "")
               for k, v in report.answers.items()}  # fmt: skip
    if answers == report.answers and not report.review_comment:
        return False
    CompletionReport.objects.filter(pk=report.pk).update(answers=answers, review_comment="")
    return True


def _journal(entries: list[dict[str, Any]]) -> None:
    """The erasure journal, one JSON line per person, outside the database (and its backups)."""
    path = Path(settings.ERASURE_JOURNAL)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as journal:
        for entry in entries:
            journal.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _erase(trainees: list[Trainee], outcome: Outcome, category: str) -> None:
    for trainee in trainees:
        outcome.erased.append({"category": category, "hash": _hash_of(trainee)})
        outcome.trainee_ids.append(trainee.pk)
        _anonymise(trainee)
    outcome.add(category, len(trainees))


def _years_ago(now: datetime.datetime, years: int) -> datetime.datetime:
    return now - datetime.timedelta(days=round(365.25 * years))


# The audit tables: (chain log, model, its time column).
_LOGS = (("access", AccessLog, "occurred_at", "access_log"),
         ("event", AuditEvent, "occurred_at", "audit_events"),
         ("view", SubjectView, "viewed_at", "subject_views"))  # fmt: skip


def _cut_logs(cutoff: datetime.datetime, outcome: Outcome, *, dry_run: bool) -> None:
    """Rows older than the cutoff, removed up to the last whole seal they fill (a seal is
    removed whole; a few older rows wait for the next run) — through the chain's cut."""
    for log, model, column, category in _LOGS:
        newest_old = (
            model._default_manager.filter(**{f"{column}__lt": cutoff})
            .order_by("-id").values_list("id", flat=True).first()
        )  # fmt: skip
        if newest_old is None:
            continue
        seal = (
            ChainSeal.objects.filter(log=log, last_id__lte=newest_old)
            .order_by("-last_id").values_list("last_id", flat=True).first()
        )  # fmt: skip
        if seal is None:
            continue
        if dry_run:
            after = chain._start(log)[1]
            outcome.add(category, model._default_manager.filter(id__gt=after, id__lte=seal).count())
            continue
        try:
            cut = chain.cut(log, up_to_id=seal, reason="保存期間の経過")
        except DatabaseError:
            # Only the tables' owner may remove audit rows (the triggers): run as the
            # application's role, the rest of the purge goes on and the report says so.
            logger.warning("audit rows past retention not removed: run purge_expired as the "
                           "tables' owner")  # fmt: skip
            outcome.not_done.append(category)
            continue
        outcome.add(category, cut.rows)


def _plan(now: datetime.datetime, outcome: Outcome, *, dry_run: bool) -> list[Trainee]:
    policy = settings.RETENTION
    today = timezone.localdate(now)
    leavers = list(
        Trainee.objects.select_related("organisation")
        .filter(status=TraineeStatus.LEFT, status_changed_on__lt=_years_ago(now, policy[
            "leaver_years"]).date())
        .exclude(name=ERASED_NAME)
    )  # fmt: skip
    leavers = [t for t in leavers if not has_open_place(t, today)]
    text_cutoff = _years_ago(now, policy["free_text_years"])
    texts = SurveyAnswer.objects.filter(response__answered_on__lt=text_cutoff.date()).exclude(
        text=""
    )
    reports = [r for r in CompletionReport.objects.filter(submitted_at__lt=text_cutoff)
               if any(isinstance(v, str) and v and not _RATING.match(v)
                      for v in r.answers.values()) or r.review_comment]  # fmt: skip
    file_cutoff = now - datetime.timedelta(days=policy["import_file_days"])
    plans = [
        model.objects.filter(uploaded_at__lt=file_cutoff).exclude(plan=None)
        for model in (RosterImport, HistoryImport)
    ]
    batches = Job.objects.filter(
        created_at__lt=now - datetime.timedelta(days=policy["export_file_days"])
    ).exclude(file="")
    orphans = _orphan_files()
    outcome.add("survey_text", texts.count())
    outcome.add("report_text", len(reports))
    outcome.add("import_plans", sum(p.count() for p in plans))
    outcome.add("export_files", batches.count())
    outcome.add("orphan_files", len(orphans))
    if not dry_run:
        texts.update(text="")
        for report in reports:
            _blank_report(report)
        for query in plans:
            query.update(plan=None, errors=[], warnings=[])
        for batch in batches:
            batch.file.delete(save=False)
            Job.objects.filter(pk=batch.pk).update(file="")
        storage = Material._meta.get_field("file").storage
        for name in orphans:
            storage.delete(name)
    return leavers


def _orphan_files() -> list[str]:
    """Files in the private storage that neither a material nor a job's result refers to any
    more (a replaced or removed material whose file outlived it; a file uploaded for a job's
    check that the job never read, jobs.services.UPLOADS), older than a day (an upload in
    progress, or waiting for its job, is not one)."""
    storage = Material._meta.get_field("file").storage
    used = set(Material.objects.exclude(file="").values_list("file", flat=True))
    used |= set(Job.objects.exclude(file="").values_list("file", flat=True))
    found: list[str] = []

    def walk(folder: str) -> None:
        try:
            folders, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            return
        for name in files:
            path = f"{folder}/{name}" if folder else name
            if path in used:
                continue
            try:
                modified = storage.get_modified_time(path)
            except (OSError, NotImplementedError):
                continue
            if timezone.now() - modified > datetime.timedelta(days=1):
                found.append(path)
        for sub in folders:
            walk(f"{folder}/{sub}" if folder else sub)

    walk("")
    return sorted(found)


def purge_expired(
    *, ran_by: str, dry_run: bool = False, now: datetime.datetime | None = None
) -> tuple[Outcome, DeletionReport | None]:
    """Everything past retention, erased (or, with `dry_run`, counted). Returns the outcome and
    the deletion report (None on a dry run)."""
    now = now or timezone.now()
    outcome = Outcome()
    with transaction.atomic():
        leavers = _plan(now, outcome, dry_run=dry_run)
        if dry_run:
            outcome.add("people", len(leavers))
        else:
            _erase(leavers, outcome, "people")
    _cut_logs(_years_ago(now, settings.RETENTION["log_years"]), outcome, dry_run=dry_run)
    if dry_run:
        return outcome, None
    return outcome, _report(outcome, basis=Basis.RETENTION, ran_by=ran_by, reason="",
                            kind="lifecycle.purged")  # fmt: skip


def _report(outcome: Outcome, *, basis: str, ran_by: str, reason: str, kind: str,
            actor: Any = None, request: Any = None) -> DeletionReport:  # fmt: skip
    with transaction.atomic():
        ran_at = timezone.now()
        record = DeletionReport(
            ran_at=ran_at, ran_by=ran_by[:64], basis=basis, reason=reason[:500],
            counts={**outcome.counts, **{f"{c}:not_done": 0 for c in outcome.not_done}},
            erased=outcome.erased,
        )  # fmt: skip
        # Append-only: the files are made from what the row holds, then the row is written once.
        record.pdf, record.csv = report_files.render(record)
        record.save()
        Erasure.objects.bulk_create([
            Erasure(erased_at=ran_at, trainee_id=tid, person_hash=e["hash"], report=record)
            for tid, e in zip(outcome.trainee_ids, outcome.erased, strict=True)
        ])  # fmt: skip
        audit_event_record(
            kind=kind, user=actor, request=request,
            detail={"report": record.pk, "basis": basis, "counts": outcome.counts},
        )  # fmt: skip
    _journal([{"at": ran_at.isoformat(), "trainee": tid, "hash": e["hash"], "report": record.pk}
              for tid, e in zip(outcome.trainee_ids, outcome.erased, strict=True)])  # fmt: skip
    return record


def trainee_erase(*, trainee: Trainee, actor: User, reason: str, request: Any = None
                  ) -> DeletionReport:  # fmt: skip
    """One person erased on request (HR, after re-authentication, with a reason) — refused while
    they hold a place in a session still to come. Leaves a deletion report like the purge."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the erasure (e.g. the person's request)."))
    if trainee.name == ERASED_NAME:
        raise ValidationError(_("This person has already been erased."))
    if has_open_place(trainee, timezone.localdate()):
        raise ValidationError(_("This person still holds a place in a session to come. Cancel "
                                "it first, then erase."))  # fmt: skip
    outcome = Outcome()
    with transaction.atomic():
        locked = (
            Trainee.objects.select_for_update().select_related("organisation").get(pk=trainee.pk)
        )
        _erase([locked], outcome, "person_on_request")
    return _report(outcome, basis=Basis.REQUEST, ran_by=actor.get_username(), reason=reason,
                   kind="lifecycle.erased", actor=actor, request=request)  # fmt: skip


def erasures_reapply(*, since: datetime.datetime) -> int:
    """After a restore: erase again everyone the journal says was erased after `since` (the
    backup's time) — a restored backup must not bring them back. Returns how many."""
    path = Path(settings.ERASURE_JOURNAL)
    if not path.exists():
        return 0
    again = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if datetime.datetime.fromisoformat(entry["at"]) <= since:
            continue
        trainee = Trainee.objects.filter(pk=entry["trainee"]).exclude(name=ERASED_NAME).first()
        if trainee is not None:
            with transaction.atomic():
                _anonymise(trainee)
            again += 1
    return again
