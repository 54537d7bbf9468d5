"""The README tells the truth about things a test can check."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def sections():
    """{heading: text} for each `## ` section (the intro under "")."""
    parts = re.split(r"^## (.+)$", README, flags=re.MULTILINE)
    return {"": parts[0], **dict(zip(parts[1::2], parts[2::2], strict=True))}


def test_emails_are_promised_at_least_once_in_one_place():
    # The outbox resends a row whose sender died after the SMTP server took it: duplicates are possible.
    # Submissions (one transaction, a one-time form token) are what arrives exactly once.
    # Left out: the code layout section, being rewritten, which still says so of notifications.py.
    text = "".join(sections().values())
    # Sentences end at a full stop: a dot followed by a space or the end (not the dot in "manage.py"). Split once
    # rather than searched for with a regex that backtracks over the whole README (seconds per run).
    sentences = [sentence.strip() for sentence in re.split(r"\.(?!\S)", text) if "exactly once" in sentence]
    assert [sentence.split(",")[0] for sentence in sentences] == ["Every submission arrives exactly once"]
    assert text.count("at least once") == 1
    assert "at least once" in sections()["Known limits"]


def test_every_make_target_the_readme_names_exists():
    fence = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
    code = fence.findall(README) + re.findall(r"`([^`\n]+)`", fence.sub("", README))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", " ".join(code)))
    targets = set(re.findall(r"^([a-z][\w-]*):(?!=)", (ROOT / "Makefile").read_text(), re.MULTILINE))
    assert "coordinator" in named and "screenshots" in named
    assert named <= targets, named - targets


def test_the_readme_links_only_documents_in_the_repository():
    documents = set(re.findall(r"`([\w./-]+\.md)`", README)) | set(re.findall(r"\]\(([\w./-]+\.md)\)", README))
    assert [name for name in documents if not (ROOT / name).exists()] == []
