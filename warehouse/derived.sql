-- Tables and views computed from the loaded base tables.

CREATE TABLE matters AS
SELECT
    matter_id,
    arg_min(title, (meeting_date, item_id)) FILTER (WHERE title IS NOT NULL) AS title,
    count(*)::INTEGER                       AS n_items,
    count(DISTINCT municipality)::INTEGER   AS n_municipalities,
    min(meeting_date)                       AS first_date,
    max(meeting_date)                       AS last_date
FROM items
GROUP BY matter_id
ORDER BY matter_id;

-- One row per handling of every matter that spans two or more municipalities.
CREATE VIEW matter_comparison AS
SELECT
    m.matter_id,
    m.title AS matter_title,
    i.municipality,
    i.body,
    i.meeting_date,
    i.section,
    i.title,
    i.decision_outcome,
    i.proposal,
    i.decision,
    i.url
FROM items i
JOIN matters m USING (matter_id)
WHERE m.n_municipalities >= 2
ORDER BY m.first_date, m.matter_id, i.meeting_date, i.municipality, i.body;
