"""Calendar files (.ics) for a session, and the check-in QR code."""

from __future__ import annotations

import datetime

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from enrollments.models import Enrollment


def session_ics(enrollment: Enrollment) -> bytes:
    """Every day of the enrolment's session as a calendar event (times in Asia/Tokyo). The UID
    of a day's event never changes; SEQUENCE rises with each change people are told of, and a
    cancelled session's events say STATUS:CANCELLED, so a calendar that imported the file
    replaces or cancels the event it holds."""

    session = enrollment.session
    course = session.course
    tz = timezone.get_current_timezone()
    calendar = Calendar()
    calendar.add("prodid", "-//kenshu//研修管理システム//JA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", str(tz))
    place = str(session.room) if session.room else session.online_url
    link = f"{settings.PORTAL_BASE_URL}{reverse('enrollment_detail', args=[enrollment.pk])}"
    for day in session.days.all():
        event = Event()
        event.add("uid", f"session-{session.pk}-day-{day.pk}@kenshu")
        cancelled = "【中止】" if session.is_cancelled else ""
        event.add("summary", f"{cancelled}{course.title}（第{session.number}回）")
        event.add("dtstart", datetime.datetime.combine(day.date, day.starts_at, tzinfo=tz))
        event.add("dtend", datetime.datetime.combine(day.date, day.ends_at, tzinfo=tz))
        event.add("dtstamp", timezone.now())
        event.add("sequence", session.calendar_sequence)
        event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
        if place:
            event.add("location", place)
        event.add("description", "\n".join(filter(None, [session.notes, link])))
        calendar.add_component(event)
    return calendar.to_ical()


def check_in_qr_svg(code: str) -> str:
    """An inline SVG QR code of the check-in page with the day's code filled in."""

    url = f"{settings.PORTAL_BASE_URL}{reverse('check_in')}?code={code}"
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return image.to_string(encoding="unicode")
