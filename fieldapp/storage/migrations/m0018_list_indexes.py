# Two lists the window refills after every change read only their index now (a write from another connection empties
# the window connection's page cache, so each refill decrypts what it reads again; figures at 20,000 people, read
# right after such a write):
# - the follow-ups count leaves out the kinds a user may not see (health, legal), and "my follow-ups" (the tab's
#   first view) asks whose each one is (its owner, else the person's key worker, else its writer): with the kind,
#   the owner, the writer and the person in the index it no longer reads each open follow-up's row (everyone's:
#   about 50 ms -> 18 ms; mine: 24-33 ms -> 3-6 ms);
# - the people list filtered by typed text walks its index in list order and tests the alias key and the reference:
#   with the reference (and the id the order ends with) in the index, only the matches' rows are read (a search with
#   few matches: 46-90 ms -> 12-26 ms).
SQL = """
DROP INDEX IF EXISTS contacts_follow_up;
CREATE INDEX contacts_follow_up ON contacts(follow_up, kind, follow_up_owner, created_by, person_id)
    WHERE follow_up IS NOT NULL AND follow_up_done = 0;
DROP INDEX IF EXISTS people_alias;
CREATE INDEX people_alias ON people(alias_key, nationality, id, reference);
"""
