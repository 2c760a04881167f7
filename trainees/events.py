"""What the registry announces to the apps above it.

A transfer entered late (職員情報登録: moved on 1 October, entered on the 15th) changes where
the person's places on sessions that began in between count; those places are the enrolments'
(``enrollments.services.history.places_restamp_after_transfer``), which the registry cannot
import. The transfer service sends ``trainee_transferred`` inside its transaction; the receiver
returns how many places it re-counted. A roster import moves people without a date (the file
is the organisation as of today): ``trainees_moved`` lets the places not yet begun follow them
(``enrollments.services.history.places_follow_roster``)."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: trainee_id (int), effective_on (datetime.date)
trainee_transferred = Signal()
# People moved to another organisation by a roster import. kwargs: trainee_ids (list[int])
trainees_moved = Signal()
# An organisation renamed from a day entered late: the places on sessions begun since, stamped
# with the old name, take the new one. kwargs: organisation_id (int), effective_on (date)
organisation_renamed = Signal()
