"""The header's links: each area of the site adds its own, so base.html knows none by name.

An area calls `add_link` in its init_app; base.html shows the links the signed-in
user may follow, in `order`, with an optional count badge (e.g. new reading lists).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str  # Vietnamese; translated by _() in the template
    visible: Callable[[object], bool]
    order: int = 50
    badge: Callable[[object], int] | None = None


def add_link(app: Flask, endpoint: str, label: str, visible=lambda user: True,
             order: int = 50, badge=None) -> None:
    links = app.extensions.setdefault("nav_links", [])
    links.append(NavLink(endpoint, label, visible, order, badge))
    links.sort(key=lambda link: link.order)


def _links_for_current_user(app: Flask) -> list[dict]:
    if not current_user or not current_user.is_authenticated:
        return []
    shown = []
    for link in app.extensions.get("nav_links", []):
        if link.visible(current_user):
            shown.append({
                "url": url_for(link.endpoint),
                "label": link.label,
                "badge": link.badge(current_user) if link.badge else 0,
                "endpoint": link.endpoint,
            })
    return shown


def init_app(app: Flask) -> None:
    app.extensions.setdefault("nav_links", [])
    app.jinja_env.globals["nav_links"] = lambda: _links_for_current_user(app)
