-- The search engine's documents and their full-text index (PostgreSQL).
-- `search` is a generated tsvector (title weighted A, body B) with a GIN index, so the
-- index is maintained by the database inside the writer's transaction.
CREATE TABLE documents (
    id         BIGSERIAL PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    search     tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', body), 'B')
    ) STORED
);

CREATE INDEX documents_search ON documents USING GIN (search);

-- Facts about the database itself, such as whether the seed corpus was loaded.
CREATE TABLE was_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
