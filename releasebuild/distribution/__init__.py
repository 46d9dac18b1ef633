"""Pure helpers of the distribution gate: token counts, streaming statistics, plots."""
