-- Up Migration
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- E-mail addresses are unique regardless of case: the API answers 409 instead of storing a near-duplicate.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Down Migration
DROP TABLE users;
