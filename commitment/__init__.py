"""The commitment contract: the OGP commitment template as a Yjs document (root names, fields,
labels and guidance in both languages), shared by the server, projections, exports and the web
app."""
