"""The questions the CLI asks of the warehouse, in SQL users can copy."""

from __future__ import annotations

HANDLINGS_BY_SOURCE_AND_BODY = """
SELECT s.name AS source, i.body, count(*) AS handlings,
       count(*) FILTER (WHERE i.document_type = 'minutes') AS minutes,
       count(*) FILTER (WHERE i.document_type = 'agenda') AS agenda,
       min(i.meeting_date) AS first_meeting, max(i.meeting_date) AS last_meeting
FROM items i JOIN sources s USING (source_id)
GROUP BY ALL ORDER BY source, body
"""

ERRORS_BY_SOURCE = """
SELECT s.name AS source,
       (SELECT count(*) FROM crawl_errors c WHERE c.source_id = s.source_id) AS crawl_errors,
       (SELECT count(*) FROM parse_errors p WHERE p.source_id = s.source_id) AS parse_errors
FROM sources s ORDER BY source
"""

COMPARISON = """
SELECT matter_title, municipality, body, meeting_date, section, decision_outcome, decision, url
FROM matter_comparison
"""

MATCHING_MATTERS = """
SELECT matter_id, title, n_items, n_municipalities, first_date, last_date
FROM matters
WHERE matter_id = $query OR title ILIKE '%' || $query || '%'
ORDER BY n_municipalities DESC, n_items DESC, last_date DESC
LIMIT 5
"""

MATTER_HANDLINGS = """
SELECT i.municipality, i.body, i.meeting_date, i.section, i.document_type, i.decision_outcome,
       i.proposal, i.decision, i.url
FROM items i WHERE i.matter_id = $matter_id
ORDER BY i.meeting_date, i.municipality, i.body
"""
