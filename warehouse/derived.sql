-- Tables and views computed from the loaded base tables. warehouse/README.md documents each of them.

CREATE TABLE matters AS
SELECT
    matter_id,
    arg_min(title, (meeting_date, item_id)) FILTER (WHERE title IS NOT NULL) AS title,
    count(*)::INTEGER                       AS n_items,
    count(DISTINCT municipality)::INTEGER   AS n_municipalities,
    count(DISTINCT source_id)::INTEGER      AS n_sources,
    min(meeting_date)                       AS first_date,
    max(meeting_date)                       AS last_date
FROM items
GROUP BY matter_id
ORDER BY matter_id;

-- Who handled each matter that two or more sources handled: one row per matter and source.
CREATE TABLE matter_sources AS
SELECT
    i.matter_id,
    i.source_id,
    any_value(i.municipality)                               AS municipality,
    count(*)::INTEGER                                       AS n_items,
    min(i.meeting_date)                                     AS first_date,
    max(i.meeting_date)                                     AS last_date,
    arg_max(i.body, (i.meeting_date, i.item_id))            AS latest_body,
    arg_max(i.decision_outcome, (i.meeting_date, i.item_id)) AS latest_outcome
FROM items i
JOIN matters m USING (matter_id)
WHERE m.n_sources >= 2
GROUP BY i.matter_id, i.source_id
ORDER BY i.matter_id, i.source_id;

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

-- Regional matters some member municipalities of a region have handled and others not (yet).
-- Regional: handled by two or more sources of the region, at least one a member municipality.
-- Members: the sources of kind 'municipality' with that region.
CREATE VIEW matters_pending AS
WITH members AS (
    SELECT region, list(name ORDER BY name) AS members
    FROM sources WHERE kind = 'municipality'
    GROUP BY region
), handled AS (
    SELECT
        ms.matter_id,
        s.region,
        list(DISTINCT s.name ORDER BY s.name) FILTER (WHERE s.kind = 'municipality') AS handled_by,
        list(DISTINCT s.name ORDER BY s.name) FILTER (WHERE s.kind <> 'municipality') AS other_handlers,
        count(DISTINCT s.source_id) AS n_sources
    FROM matter_sources ms
    JOIN sources s USING (source_id)
    GROUP BY ms.matter_id, s.region
)
SELECT
    h.matter_id,
    m.title,
    h.region,
    h.handled_by,
    list_filter(mb.members, lambda name: NOT list_contains(h.handled_by, name)) AS missing,
    len(h.handled_by)::INTEGER AS n_handled,
    len(mb.members)::INTEGER AS n_members,
    coalesce(h.other_handlers, [])::VARCHAR[] AS other_handlers,
    m.first_date,
    m.last_date
FROM handled h
JOIN members mb USING (region)
JOIN matters m USING (matter_id)
WHERE h.n_sources >= 2 AND len(h.handled_by) BETWEEN 1 AND len(mb.members) - 1
ORDER BY m.last_date DESC, h.matter_id;

-- Handlings per body per month.
CREATE VIEW body_activity AS
SELECT
    source_id,
    municipality,
    body,
    date_trunc('month', meeting_date)::DATE                        AS month,
    count(DISTINCT meeting_id)::INTEGER                            AS meetings,
    count(*)::INTEGER                                              AS handlings,
    count(*) FILTER (WHERE NOT is_procedural)::INTEGER             AS substantive_handlings,
    count(*) FILTER (WHERE document_type = 'minutes')::INTEGER     AS in_minutes,
    count(*) FILTER (WHERE document_type = 'agenda')::INTEGER      AS on_agendas,
    count(DISTINCT matter_id) FILTER (WHERE NOT is_procedural)::INTEGER AS matters
FROM items
WHERE meeting_date IS NOT NULL
GROUP BY ALL
ORDER BY municipality, body, month;

-- Preparers and presenters: one row per person, municipality and body.
CREATE VIEW people AS
WITH mentions AS (
    SELECT i.item_id, i.municipality, i.body, i.meeting_date, 'preparer' AS role, p.person, p.title
    FROM items i JOIN printed_people p ON p.printed = i.preparer
    UNION ALL
    SELECT i.item_id, i.municipality, i.body, i.meeting_date, 'presenter' AS role, p.person, p.title
    FROM items i JOIN printed_people p ON p.printed = i.presenter
)
SELECT
    person,
    municipality,
    body,
    list(DISTINCT role ORDER BY role)                              AS roles,
    list(DISTINCT title ORDER BY title) FILTER (WHERE title IS NOT NULL) AS titles,
    count(DISTINCT item_id) FILTER (WHERE role = 'preparer')::INTEGER  AS n_prepared,
    count(DISTINCT item_id) FILTER (WHERE role = 'presenter')::INTEGER AS n_presented,
    count(DISTINCT item_id)::INTEGER                               AS n_handlings,
    min(meeting_date)                                              AS first_date,
    max(meeting_date)                                              AS last_date
FROM mentions
GROUP BY person, municipality, body
ORDER BY municipality, body, person;
