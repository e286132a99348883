# The organisation's own codes (venue kinds, platforms, services, languages and dialects), each under a standard
# parent code that reports and packets use. Records keep the own code; its label may change, its code never does.
SQL = """
CREATE TABLE custom_codes (
    list TEXT NOT NULL CHECK (list IN ('venue_kinds', 'platforms', 'services', 'languages')),
    code TEXT NOT NULL CHECK (code LIKE 'x-%'),
    label TEXT NOT NULL CHECK (length(trim(label)) > 0),
    parent TEXT NOT NULL CHECK (length(parent) > 0),
    PRIMARY KEY (list, code)
);
"""
