"""Every write that matters, in one place. Forms validate; views, admin actions, buttons and commands call these.

intake.py     a public form becomes a Submission with its files, checklist and outbox rows (one transaction)
workflow.py   coordinators' steps: assign, mark contacted, transition, notes, the records checklist
audit.py      the access log: who viewed, downloaded or exported what

Each function takes keyword arguments only, is atomic, checks the current state
first, and schedules its emails after commit.
"""
