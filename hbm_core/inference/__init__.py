"""Running fits: the fit service (service), background jobs (jobs), compiled models (compile), the
only code that touches nutpie (backend), its trace conversion (nutpie_trace), sampling slots
(slots), sharing between users (broker) and fit settings (settings)."""
