// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Input for preload_test: clang (a C++ program, from Debian) compiles this
// under LD_PRELOAD=libstrata.so, allocating through operator new, and must
// print the same LLVM IR as on the system allocator.
#include <map>
#include <memory>
#include <string>
#include <vector>

template <typename T>
struct Tree {
  T value;
  std::unique_ptr<Tree> left, right;
};

template <typename T>
std::unique_ptr<Tree<T>> build(int depth, T value) {
  if (depth == 0) return nullptr;
  auto node = std::make_unique<Tree<T>>();
  node->value = value;
  node->left = build(depth - 1, value + value);
  node->right = build(depth - 1, value);
  return node;
}

std::map<std::string, std::vector<int>> index_words(const std::vector<std::string> &words) {
  std::map<std::string, std::vector<int>> index;
  for (int i = 0; i < static_cast<int>(words.size()); i++) index[words[i]].push_back(i);
  return index;
}

int main() {
  auto tree = build<long>(12, 1);
  auto index = index_words({"a", "b", "a", "c"});
  return static_cast<int>(tree->value + static_cast<long>(index.size()));
}
