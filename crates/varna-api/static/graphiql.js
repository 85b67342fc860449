// Starts GraphiQL against this server's /graphql. Served from the binary so
// that the page needs no inline script (the CSP allows none). Put the token
// in the Headers tab: {"Authorization": "Bearer <token>"}.
(function () {
  var root = document.getElementById('graphiql');
  if (!window.GraphiQL || !window.React || !window.ReactDOM) {
    return;
  }
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: '{"Authorization": "Bearer "}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    })
  );
})();
