"""Every write that matters, in one place. Forms validate; views, admin actions, buttons and commands call these.

intake.py     a public form becomes a Submission with its files, checklist and outbox rows (one transaction)
workflow.py   coordinators' steps: assign, mark contacted, transition (and its status notices), notes,
              the records checklist, status notices on or off
records.py    records requests (a secure upload link), uploads through a link, documents coordinators attach
documents.py  the one path that writes a file to a submission (and removes written files after a failure)
audit.py      the access log (who viewed, downloaded, exported or attached what) and the status page's lookups

Each function takes keyword arguments only, is atomic, checks the current state
first, and leaves its emails in the outbox (rows in the same transaction) for the worker to send.
"""
