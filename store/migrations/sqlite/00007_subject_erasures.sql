-- Subject access (issue 16): each erasure of a person's data is recorded: when, the
-- pseudonym that now stands for them, who asked and why (sealed), and how many rows
-- of each table changed. It holds no data of the person erased.

-- +goose Up
CREATE TABLE erasures (
    id           integer PRIMARY KEY AUTOINCREMENT,
    erased_at    datetime NOT NULL,
    pseudonym    text NOT NULL,
    requested_by text NOT NULL,
    reason       text NOT NULL,
    counts       text NOT NULL
);
