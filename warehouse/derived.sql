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

-- The freshness ledger: one row per source and body, is it still publishing? As of the day `today`
-- (a DATE); the view body_freshness is this as of today in Helsinki. warehouse/README.md explains each
-- column. Publication delays count only what appeared after the source's first crawl day: what was
-- already there when we first looked was published at a time we do not know.
CREATE MACRO body_freshness_at(today) AS TABLE
WITH held AS (
    SELECT DISTINCT source_id, body, municipality, meeting_date
    FROM meetings
    WHERE meeting_date IS NOT NULL
), numbered AS (
    SELECT
        *,
        meeting_date - lag(meeting_date) OVER (PARTITION BY source_id, body ORDER BY meeting_date) AS gap,
        row_number() OVER (PARTITION BY source_id, body ORDER BY meeting_date DESC) AS recency
    FROM held
), rhythm AS (
    SELECT
        source_id,
        body,
        any_value(municipality)                     AS municipality,
        count(*)                                    AS meetings,
        max(meeting_date)                           AS last_meeting,
        -- the gaps that end at the 9 latest meetings: between the last 10
        median(gap) FILTER (WHERE recency <= 9)     AS usual_interval_days
    FROM numbered
    GROUP BY source_id, body
), watched AS (
    SELECT source_id, min(timezone('Europe/Helsinki', fetched_at))::DATE AS since
    FROM documents
    GROUP BY source_id
), sightings AS (
    -- per meeting: the day its agenda was first seen (a page now holding minutes was an agenda first
    -- when its first fetch came before the version it is read from) and the day its minutes were
    SELECT
        i.source_id,
        i.body,
        i.meeting_id,
        any_value(i.meeting_date)                                            AS meeting_date,
        bool_or(i.document_type = 'minutes')                                 AS has_minutes,
        (min(timezone('Europe/Helsinki', i.first_seen))
            FILTER (WHERE i.document_type = 'agenda' OR i.first_seen < d.fetched_at))::DATE AS agenda_seen,
        (min(timezone('Europe/Helsinki', d.fetched_at))
            FILTER (WHERE i.document_type = 'minutes'))::DATE                AS minutes_seen
    FROM items i
    LEFT JOIN documents d ON d.url = i.url AND d.sha256 = i.document_sha256
    WHERE i.is_own_page AND i.meeting_date IS NOT NULL
    GROUP BY i.source_id, i.body, i.meeting_id
), publishing AS (
    SELECT
        s.source_id,
        s.body,
        median(s.agenda_seen - s.meeting_date) FILTER (WHERE s.agenda_seen > w.since)   AS agenda_delay_days,
        median(s.minutes_seen - s.meeting_date) FILTER (WHERE s.minutes_seen > w.since) AS minutes_delay_days,
        count(*) FILTER (WHERE s.agenda_seen IS NOT NULL AND s.meeting_date <= today - 30) AS agendas_due,
        count(*) FILTER (
            WHERE s.agenda_seen IS NOT NULL AND s.meeting_date <= today - 30 AND s.has_minutes
        )                                                                                AS minutes_followed
    FROM sightings s
    JOIN watched w USING (source_id)
    GROUP BY s.source_id, s.body
)
SELECT
    r.source_id,
    r.municipality,
    r.body,
    r.meetings::INTEGER                                   AS meetings,
    r.usual_interval_days::DOUBLE                         AS usual_interval_days,
    r.last_meeting,
    (today - r.last_meeting)::INTEGER                     AS days_since,
    CASE WHEN r.usual_interval_days IS NOT NULL
         THEN today - r.last_meeting > 3 * r.usual_interval_days AND today - r.last_meeting >= 30
    END                                                   AS overdue,
    p.agenda_delay_days::DOUBLE                           AS agenda_delay_days,
    p.minutes_delay_days::DOUBLE                          AS minutes_delay_days,
    round(p.minutes_followed / nullif(p.agendas_due, 0), 3) AS minutes_after_agenda_share
FROM rhythm r
LEFT JOIN publishing p ON p.source_id = r.source_id AND p.body IS NOT DISTINCT FROM r.body
ORDER BY overdue DESC NULLS LAST, days_since DESC, r.source_id, r.body;

CREATE VIEW body_freshness AS
SELECT * FROM body_freshness_at(timezone('Europe/Helsinki', now())::DATE);
