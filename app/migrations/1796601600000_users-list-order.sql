-- Up Migration
-- Lists are ordered by creation time, then id (ids are random UUIDs: an id order would shuffle new users into every
-- page). The index serves that order and the keyset condition (created_at, id) > (cursor).
CREATE INDEX users_created_at_id_idx ON users (created_at, id);

-- Down Migration
DROP INDEX users_created_at_id_idx;
