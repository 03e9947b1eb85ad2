-- The warehouse users query. Names here are promises (contract.md): add freely, rename never.
-- Dates are DATEs (meetings happen in Europe/Helsinki); instants are TIMESTAMPTZ.
-- The big tables carry no PRIMARY KEY index: building one over a million item ids cost more than the
-- rest of their load, and the warehouse is never updated in place. The loader checks items.item_id.

CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,        -- municipality | region | wellbeing_county
    platform    VARCHAR NOT NULL,        -- dynasty | casem | tweb
    base_url    VARCHAR NOT NULL,
    region      VARCHAR NOT NULL DEFAULT 'Päijät-Häme'  -- whose member municipalities matters_pending counts
);

CREATE TABLE documents (
    document_id   VARCHAR NOT NULL,      -- one row per version: (url, content)
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
    meeting_id    VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    municipality  VARCHAR NOT NULL,
    body          VARCHAR,
    meeting_date  DATE,
    document_type VARCHAR,               -- minutes | agenda
    url           VARCHAR
);

CREATE TABLE items (
    item_id           VARCHAR NOT NULL,      -- one row per handling (unique: checked by the loader)
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
    stage       VARCHAR NOT NULL,  -- archive | parse | decode | normalise | records (warehouse/README.md)
    url         VARCHAR NOT NULL,
    sha256      VARCHAR,
    fetched_at  TIMESTAMPTZ,
    reason      VARCHAR NOT NULL
);

-- The people each distinct preparer/presenter line names (warehouse/people.py); behind the view `people`.
CREATE TABLE printed_people (
    printed   VARCHAR NOT NULL,          -- the line as items.preparer or items.presenter holds it
    position  INTEGER NOT NULL,          -- 1 for the first person the line names
    person    VARCHAR NOT NULL,          -- First Last, whichever order the page printed
    title     VARCHAR                    -- job title printed before the name (Sivistysjohtaja)
);

-- One row per load that built this warehouse or one of its predecessors (carried over), newest last.
CREATE TABLE loads (
    load_number    INTEGER NOT NULL,
    loaded_at      TIMESTAMPTZ NOT NULL,
    fingerprint    VARCHAR NOT NULL,     -- digest of the input rows and the loader: equal input, no reload
    n_items        BIGINT NOT NULL,
    items_added    BIGINT NOT NULL,      -- compared with the warehouse this load replaced
    items_changed  BIGINT NOT NULL,
    items_removed  BIGINT NOT NULL,
    row_counts     MAP(VARCHAR, BIGINT) NOT NULL
);
