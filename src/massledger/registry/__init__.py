"""The credit registry (ICR API): organizations' accounts, projects, batches, a hash-chained ledger."""
