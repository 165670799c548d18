"""The semi-annual and annual reports to DOST, in Vietnamese, as XLSX, PDF or CSV.

``data`` computes what a report says for a period; ``tables`` lays it out as the rows every
format carries (and is the CSV); ``xlsx`` and ``pdf`` add a chart of each indicator's target
against its actual value; ``render`` picks the format and is what ``senlab report`` and the
dashboard's download call.
"""
