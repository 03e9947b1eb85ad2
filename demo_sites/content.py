"""The demo sites' content: meetings and items, read from the TOML files in ``content/``.

The files describe what each site publishes (bodies, meetings, items, and each item's handlings) in
plain data, so that the renderers decide only how a platform shows it, and the tests can tell exactly
which items a site holds.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Handling:
    body: str  # as printed: a full name or an abbreviation
    date: date
    section: int | None
    preparer: str | None = None
    explanation: str | None = None
    presenter: str | None = None
    proposal: str | None = None
    discussion: str | None = None
    decision: str | None = None
    disqualified: tuple[str, ...] = ()
    authority: str | None = None
    distribution: str | None = None


@dataclass(frozen=True)
class Item:
    position: int
    section: int | None
    title: str
    handlings: tuple[Handling, ...]
    diary_number: str | None = None
    procedural: bool = False
    layout: str = "html"  # "html", or "pdf_text" for text that came out of a PDF
    attachments: tuple[str, ...] = ()

    @property
    def own(self) -> Handling:
        return self.handlings[-1]


@dataclass(frozen=True)
class Meeting:
    id: str
    body_id: str
    date: date
    start: str
    place: str
    published_as: str  # "minutes" | "agenda"
    items: tuple[Item, ...]
    becomes_minutes: bool = False

    def document_type(self, minutes_published: bool) -> str:
        if self.published_as == "agenda" and self.becomes_minutes and minutes_published:
            return "minutes"
        return self.published_as


@dataclass(frozen=True)
class Body:
    id: str
    name: str


@dataclass(frozen=True)
class DemoSite:
    source_id: str
    org_name: str
    bodies: tuple[Body, ...]
    meetings: tuple[Meeting, ...]
    abbreviations: dict[str, str] = field(default_factory=dict)

    def body(self, body_id: str) -> Body:
        return next(b for b in self.bodies if b.id == body_id)

    def meeting(self, meeting_id: str) -> Meeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)

    def meetings_of(self, body_id: str) -> list[Meeting]:
        return sorted((m for m in self.meetings if m.body_id == body_id), key=lambda m: m.date, reverse=True)


def _handling(raw: dict) -> Handling:
    return Handling(
        body=raw["body"],
        date=_as_date(raw["date"]),
        section=raw.get("section"),
        preparer=raw.get("preparer"),
        explanation=(raw.get("explanation") or "").strip() or None,
        presenter=raw.get("presenter"),
        proposal=raw.get("proposal"),
        discussion=raw.get("discussion"),
        decision=raw.get("decision"),
        disqualified=tuple(raw.get("disqualified", ())),
        authority=raw.get("authority"),
        distribution=raw.get("distribution"),
    )


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def load_site(path: Path) -> DemoSite:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    meetings = tuple(
        Meeting(
            id=str(m["id"]),
            body_id=str(m["body"]),
            date=_as_date(m["date"]),
            start=m.get("start", "18.00"),
            place=m.get("place", ""),
            published_as=m.get("published_as", "minutes"),
            becomes_minutes=bool(m.get("becomes_minutes", False)),
            items=tuple(
                Item(
                    position=int(i["position"]),
                    section=i.get("section"),
                    title=i["title"],
                    diary_number=i.get("diary_number"),
                    procedural=bool(i.get("procedural", False)),
                    layout=i.get("layout", "html"),
                    attachments=tuple(i.get("attachments", ())),
                    handlings=tuple(_handling(h) for h in i["handlings"]),
                )
                for i in m.get("items", [])
            ),
        )
        for m in raw["meetings"]
    )
    return DemoSite(
        source_id=raw["source_id"],
        org_name=raw["org_name"],
        bodies=tuple(Body(id=str(b["id"]), name=b["name"]) for b in raw["bodies"]),
        meetings=meetings,
        abbreviations=dict(raw.get("abbreviations", {})),
    )


def content_dir() -> Path:
    return Path(str(resources.files("demo_sites").joinpath("content")))


def load_sites() -> dict[str, DemoSite]:
    return {site.source_id: site for site in (load_site(p) for p in sorted(content_dir().glob("*.toml")))}
