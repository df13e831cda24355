// Package content holds the pieces that turn what editors submit into what
// the public catalogue and the reviewers see:
//
//   - RenderMarkdown renders an item body from Markdown to sanitised HTML.
//   - Store keeps attachments, checked by their bytes rather than their names,
//     in a content-addressed directory tree.
//   - DiffText and DiffFields show reviewers what changed between two
//     revisions of an item.
package content
