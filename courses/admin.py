from __future__ import annotations

from django.contrib import admin

from courses.models import Room, Venue


class RoomInline(admin.TabularInline):
    model = Room
    extra = 1


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "address")
    search_fields = ("name",)
    inlines = [RoomInline]
