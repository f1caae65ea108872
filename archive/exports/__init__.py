"""Ledger and receivables exports (XLSX and CSV) built from plain row dataclasses."""
