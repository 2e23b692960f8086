"""Pure statistics for audit sampling: plan, select, evaluate, verify."""
