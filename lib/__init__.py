"""Shared machinery that is no domain: below every app, importing none of them
(../shared/CONVENTIONS.md, "Layout")."""
