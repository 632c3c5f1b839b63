"""Pages of the volunteer reservoir, by who uses them:

- public: the sign-up page and the certificate check (no login)
- own: a volunteer's own page, check-in, certificates, hardship aid
- reservoir: the community's list, review, corrections, linkage, aid decisions
- duty: posts, shifts, rosters, QR codes, hours to confirm, training
- reports: hours and commendations, a work unit's report
"""
