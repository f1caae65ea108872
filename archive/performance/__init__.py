"""Performance supervision as pure functions: due dates, working days, alerts and scores.

Nothing here touches the database. archive.services reads rows into the dataclasses of
archive.performance.facts, and these modules compute from them.
"""
