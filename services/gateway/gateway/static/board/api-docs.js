// /api/docs: Swagger UI (vendored, static/vendor/swagger-ui-dist) over the gateway's
// OpenAPI document. A file of its own: the page's CSP runs no inline script.
(function () {
  "use strict";
  const node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.dataset.url,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
  });
})();
