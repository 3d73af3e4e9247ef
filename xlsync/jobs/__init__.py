"""Jobs: what a front end (the CLI, the Excel add-in, the scheduler) asks for, one function each.

A job reads inputs through the file edge, runs the pure core and returns a result object
whose `to_dict()` is the command's JSON document.
"""
