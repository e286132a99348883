# Reports count contacts by period, person, kind and indicators: a covering index lets them read
# the index alone instead of every contact's page (notes included).
SQL = """
CREATE INDEX contacts_report ON contacts(occurred_at, person_id, kind, indicators);
"""
