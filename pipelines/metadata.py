"""Markdown and numbers for the Dagster UI: what the person on call reads on each materialisation."""

import polars as pl


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    def cell(value) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def handlings_per_source_and_body(items: pl.DataFrame) -> str:
    if not items.height:
        return "no handlings"
    counts = items.group_by("municipality", "body").len().sort("municipality", "body", nulls_last=True)
    return markdown_table(["municipality", "body", "handlings"], counts.rows())


def preview_of_handlings(items: pl.DataFrame, limit: int = 15) -> str:
    newest = items.sort(["meeting_date", "item_id"], descending=True, nulls_last=True).head(limit)
    return markdown_table(
        ["municipality", "body", "date", "§", "title", "outcome"],
        [
            (
                r["municipality"],
                r.get("body"),
                r.get("meeting_date"),
                r.get("section"),
                (r.get("title") or "")[:80],
                r.get("decision_outcome"),
            )
            for r in newest.to_dicts()
        ],
    )


def error_sample(errors: list[dict], limit: int = 5) -> str:
    return (
        markdown_table(
            ["url", "error"], [(e["url"], e.get("error") or e.get("reason")) for e in errors[:limit]]
        )
        if errors
        else "no errors"
    )


LEDGER_COLUMNS = (
    "municipality",
    "body",
    "usual_interval_days",
    "last_meeting",
    "days_since",
    "overdue",
    "agenda_delay_days",
    "minutes_delay_days",
    "minutes_after_agenda_share",
)


def freshness_ledger(columns: list[str], rows: list[tuple], limit: int = 60) -> str:
    """The ``body_freshness`` rows as a table, overdue bodies first (the view's own order)."""
    if not rows:
        return "no meetings"
    positions = [columns.index(c) for c in LEDGER_COLUMNS]
    shown = [tuple(row[p] for p in positions) for row in rows[:limit]]
    more = f"\n\n… and {len(rows) - limit} more bodies (query body_freshness)" if len(rows) > limit else ""
    return markdown_table(list(LEDGER_COLUMNS), shown) + more
