// The web page's files (web/), compiled into the server so that it serves them wherever
// it runs. The HTTP gateway serves each at its path; "/" is "/index.html".
#ifndef PARINDEX_SERVER_WEB_ASSETS_H_
#define PARINDEX_SERVER_WEB_ASSETS_H_

#include <string_view>
#include <vector>

namespace parindex::server {

struct WebAsset {
  std::string_view path;     // "/app.js"
  std::string_view content;  // the file's bytes
};

const std::vector<WebAsset>& WebAssets();

}  // namespace parindex::server

#endif  // PARINDEX_SERVER_WEB_ASSETS_H_
