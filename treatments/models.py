# Treatment charting models arrive with the charting issue.
