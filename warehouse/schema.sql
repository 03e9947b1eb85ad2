-- The warehouse users query. Names here are promises (contract.md): add freely, rename never.
-- Dates are DATEs (meetings happen in Europe/Helsinki); instants are TIMESTAMPTZ.

CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,        -- municipality | region | wellbeing_county
    platform    VARCHAR NOT NULL,        -- dynasty | casem | tweb
    base_url    VARCHAR NOT NULL
);

CREATE TABLE documents (
    document_id   VARCHAR PRIMARY KEY,   -- one row per version: (url, content)
    source_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    kind          VARCHAR,               -- meeting_handlers, meetings, meeting, meetingitem, item_pdf, robots
    content_type  VARCHAR,
    http_status   INTEGER,
    fetched_at    TIMESTAMPTZ NOT NULL,  -- first fetch of this version
    size_bytes    BIGINT,
    sha256        VARCHAR NOT NULL,      -- the blob in the raw archive
    etag          VARCHAR,
    last_modified VARCHAR
);

CREATE TABLE meetings (
    meeting_id    VARCHAR PRIMARY KEY,
    source_id     VARCHAR NOT NULL,
    municipality  VARCHAR NOT NULL,
    body          VARCHAR,
    meeting_date  DATE,
    document_type VARCHAR,               -- minutes | agenda
    url           VARCHAR
);

CREATE TABLE items (
    item_id           VARCHAR PRIMARY KEY,   -- one row per handling
    meeting_id        VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    municipality      VARCHAR NOT NULL,
    body              VARCHAR,               -- canonical full name
    body_printed      VARCHAR,               -- as the page printed it (KH, KASOPLTK…)
    meeting_date      DATE,
    document_type     VARCHAR,               -- minutes | agenda
    section           INTEGER,               -- §
    agenda_position   INTEGER,               -- asianro
    title             VARCHAR,
    diary_number      VARCHAR,
    preparer          VARCHAR,
    presenter         VARCHAR,
    explanation       VARCHAR,
    proposal          VARCHAR,
    discussion        VARCHAR,
    decision          VARCHAR,
    decision_outcome  VARCHAR,               -- approved | approved_amended | noted | returned | tabled | rejected | other | NULL
    disqualifications VARCHAR[],
    text              VARCHAR,
    url               VARCHAR,
    pdf_url           VARCHAR,
    meeting_url       VARCHAR,
    is_procedural     BOOLEAN NOT NULL,
    is_own_page       BOOLEAN NOT NULL,      -- false: known only from a later page that carries it
    document_sha256   VARCHAR,
    matter_id         VARCHAR,
    first_seen        TIMESTAMPTZ,
    last_seen         TIMESTAMPTZ
);

CREATE TABLE matter_links (
    item_id_a  VARCHAR NOT NULL,
    item_id_b  VARCHAR NOT NULL,
    link_type  VARCHAR NOT NULL,             -- same_page | near_identical
    score      DOUBLE NOT NULL,
    evidence   VARCHAR
);

CREATE TABLE crawl_errors (
    source_id   VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    kind        VARCHAR,
    http_status INTEGER,
    error       VARCHAR NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    attempt     INTEGER
);

CREATE TABLE parse_errors (
    source_id   VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    sha256      VARCHAR,
    fetched_at  TIMESTAMPTZ,
    reason      VARCHAR NOT NULL
);
