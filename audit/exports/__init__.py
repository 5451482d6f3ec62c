"""Publishing a plan: the commitment template as DOCX and PDF, open data, the evidence pack."""
