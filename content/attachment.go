package content

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is an attachment type the catalogue accepts.
type Kind string

const (
	KindPDF  Kind = "pdf"
	KindDOC  Kind = "doc"
	KindDOCX Kind = "docx"
	KindXLS  Kind = "xls"
	KindXLSX Kind = "xlsx"
	KindPNG  Kind = "png"
	KindJPEG Kind = "jpeg"
	KindGIF  Kind = "gif"
)

// ContentType is the MIME type to serve an attachment of this kind with.
func (k Kind) ContentType() string { return contentTypes[k] }

var contentTypes = map[Kind]string{
	KindPDF:  "application/pdf",
	KindDOC:  "application/msword",
	KindDOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	KindXLS:  "application/vnd.ms-excel",
	KindXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	KindPNG:  "image/png",
	KindJPEG: "image/jpeg",
	KindGIF:  "image/gif",
}

// extKinds maps a lower-case filename extension to the kind it claims.
var extKinds = map[string]Kind{
	".pdf":  KindPDF,
	".doc":  KindDOC,
	".docx": KindDOCX,
	".xls":  KindXLS,
	".xlsx": KindXLSX,
	".png":  KindPNG,
	".jpg":  KindJPEG,
	".jpeg": KindJPEG,
	".gif":  KindGIF,
}

// MaxAttachmentBytes is the largest attachment accepted.
const MaxAttachmentBytes = 20 << 20

// maxNameBytes bounds Stored.Name, so it fits database columns and the
// Content-Disposition header of downloads.
const maxNameBytes = 200

var (
	ErrTooLarge        = errors.New("content: attachment larger than 20 MiB")
	ErrUnsupportedType = errors.New("content: unsupported attachment type")
	// ErrInvalidPath is returned by Open for a Stored whose Path is not one
	// that Save produces.
	ErrInvalidPath = errors.New("content: invalid attachment path")
)

// Stored describes a saved attachment; it is what callers keep in the
// database.
type Stored struct {
	Name        string // sanitised original filename, for display and download
	Kind        Kind
	ContentType string
	Size        int64
	SHA256      string // lower-case hex
	Path        string // slash-separated, relative to the store root
}

// Store keeps attachments under Root, one file per distinct content, at
// Root/ab/cd/<sha256> where ab and cd are the first four hex digits. Naming
// files by their hash means an attachment uploaded twice (common when the
// same form is attached to several items) is stored once, and that no name
// chosen by a user ever becomes part of a path.
type Store struct {
	Root string
}

// Save checks and stores one attachment. name is the filename the user's
// browser sent; it must carry the extension of a supported kind, and the
// bytes must be of that kind (ErrUnsupportedType otherwise). At most
// MaxAttachmentBytes+1 bytes are read from r; a longer input is refused
// with ErrTooLarge.
//
// The bytes are first spooled to a temporary file in Root (so that neither
// memory use nor the final rename depends on the upload size) and the file
// is renamed into place only once every check has passed; on any error
// nothing is left under Root.
func (s Store) Save(name string, r io.Reader) (Stored, error) {
	if s.Root == "" {
		return Stored{}, errors.New("content: attachment store has no root")
	}
	name = sanitizeFilename(name)
	claimed, ok := extKinds[strings.ToLower(filepath.Ext(name))]
	if !ok {
		// Refused before reading anything: the extension alone rules it out.
		return Stored{}, fmt.Errorf("%w: file name %q", ErrUnsupportedType, name)
	}

	if err := os.MkdirAll(s.Root, 0o750); err != nil {
		return Stored{}, err
	}
	tmp, err := os.CreateTemp(s.Root, ".upload-*")
	if err != nil {
		return Stored{}, err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, MaxAttachmentBytes+1))
	if err != nil {
		return Stored{}, err
	}
	if size > MaxAttachmentBytes {
		return Stored{}, ErrTooLarge
	}

	kind, err := detectKind(tmp, size, claimed)
	if err != nil {
		return Stored{}, err
	}
	if kind != claimed {
		return Stored{}, fmt.Errorf("%w: %q holds %s content", ErrUnsupportedType, name, kind)
	}

	sum := hex.EncodeToString(h.Sum(nil))
	st := Stored{
		Name:        name,
		Kind:        kind,
		ContentType: kind.ContentType(),
		Size:        size,
		SHA256:      sum,
		Path:        path.Join(sum[0:2], sum[2:4], sum),
	}
	dst := filepath.Join(s.Root, filepath.FromSlash(st.Path))
	if _, err := os.Stat(dst); err == nil {
		return st, nil // same bytes already stored
	}

	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return Stored{}, err
	}
	// Sync before rename so a crash cannot leave a named but empty file,
	// which the existence check above would then trust forever.
	if err := tmp.Sync(); err != nil {
		return Stored{}, err
	}
	if err := tmp.Chmod(0o640); err != nil {
		return Stored{}, err
	}
	if err := tmp.Close(); err != nil {
		return Stored{}, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Stored{}, err
	}
	keep = true
	return st, nil
}

// storedPath is the shape of every Path that Save produces.
var storedPath = regexp.MustCompile(`^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$`)

// Open opens a stored attachment for reading. st normally comes from the
// database, so its Path is checked against the shape Save gives it, and the
// file is opened through os.OpenInRoot, which also refuses symlinks that
// lead out of Root.
func (s Store) Open(st Stored) (*os.File, error) {
	if s.Root == "" {
		return nil, errors.New("content: attachment store has no root")
	}
	m := storedPath.FindStringSubmatch(st.Path)
	if m == nil || !strings.HasPrefix(m[3], m[1]+m[2]) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidPath, st.Path)
	}
	return os.OpenInRoot(s.Root, filepath.FromSlash(st.Path))
}

var (
	magicPDF  = []byte("%PDF-")
	magicOLE2 = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicZIP  = []byte("PK\x03\x04")
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicGIF7 = []byte("GIF87a")
	magicGIF9 = []byte("GIF89a")
)

// detectKind tells the kind from the bytes of f (size bytes long). claimed is
// the kind the filename gives; it is consulted only for OLE2 compound files,
// whose container looks the same for .doc and .xls.
func detectKind(f io.ReaderAt, size int64, claimed Kind) (Kind, error) {
	head := make([]byte, 8)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", err
	}
	head = head[:n]

	switch {
	case bytes.HasPrefix(head, magicPDF):
		return KindPDF, nil
	case bytes.HasPrefix(head, magicPNG):
		return KindPNG, nil
	case bytes.HasPrefix(head, magicJPEG):
		return KindJPEG, nil
	case bytes.HasPrefix(head, magicGIF7), bytes.HasPrefix(head, magicGIF9):
		return KindGIF, nil
	case bytes.HasPrefix(head, magicOLE2):
		if claimed == KindDOC || claimed == KindXLS {
			return claimed, nil
		}
		// Legacy Office, but named as something else (.docx, .pdf, ...).
		return "", fmt.Errorf("%w: legacy Office file with a .%s name", ErrUnsupportedType, claimed)
	case bytes.HasPrefix(head, magicZIP):
		return detectOOXML(f, size)
	}
	return "", fmt.Errorf("%w: content not recognised", ErrUnsupportedType)
}

// detectOOXML tells a Word from an Excel Open XML package. Only the zip's
// central directory is read; nothing is decompressed, so a zip bomb costs
// nothing here.
func detectOOXML(f io.ReaderAt, size int64) (Kind, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return "", fmt.Errorf("%w: damaged zip: %v", ErrUnsupportedType, err)
	}
	var contentTypes, word, excel bool
	for _, zf := range zr.File {
		switch zf.Name {
		case "[Content_Types].xml":
			contentTypes = true
		case "word/document.xml":
			word = true
		case "xl/workbook.xml":
			excel = true
		}
	}
	switch {
	case contentTypes && word && !excel:
		return KindDOCX, nil
	case contentTypes && excel && !word:
		return KindXLSX, nil
	}
	// A plain zip, another OOXML kind (pptx) or an ambiguous package.
	return "", fmt.Errorf("%w: zip is neither a Word nor an Excel document", ErrUnsupportedType)
}

// windowsReserved are characters that Windows, where most downloads end up,
// refuses in filenames.
const windowsReserved = `<>:"|?*`

// sanitizeFilename reduces what a browser sent as a filename to its last
// path element, without control or invisible formatting characters (a
// right-to-left override can make "x\u202Efdp.exe" display as "xexe.pdf"),
// at most maxNameBytes long. Chinese and other letters are kept.
func sanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	// Old browsers send the whole client path, with either separator.
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(windowsReserved, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	// Leading dots would make a hidden file (or ".."), trailing dots and
	// spaces are dropped by Windows anyway.
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	return truncateName(name, maxNameBytes)
}

// truncateName shortens name to at most max bytes at a rune boundary,
// cutting the stem and keeping the extension, which decides how the file is
// opened.
func truncateName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) >= max {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimRight(stem[:cut], ". ") + ext
}
