"""Markdown and numbers for the Dagster UI: what the person on call reads on each materialisation."""

from collections import Counter


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    def cell(value) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def handlings_per_source_and_body(items: list[dict]) -> str:
    counts = Counter((row["municipality"], row["body"]) for row in items)
    return markdown_table(
        ["municipality", "body", "handlings"], [(m, b, n) for (m, b), n in sorted(counts.items())]
    )


def preview_of_handlings(items: list[dict], limit: int = 15) -> str:
    newest = sorted(items, key=lambda r: (str(r["meeting_date"]), r["item_id"]), reverse=True)[:limit]
    return markdown_table(
        ["municipality", "body", "date", "§", "title", "outcome"],
        [
            (
                r["municipality"],
                r["body"],
                r["meeting_date"],
                r["section"],
                (r["title"] or "")[:80],
                r["decision_outcome"],
            )
            for r in newest
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
