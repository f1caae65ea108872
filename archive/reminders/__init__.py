"""Due-date reminders: a per-user iCalendar feed and an e-mail digest sent over SMTP."""
