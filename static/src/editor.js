// CodeMirror 6: one editor view; each file is an EditorState swapped in when its tab is chosen.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { go } from "@codemirror/lang-go";
import { java } from "@codemirror/lang-java";
import { javascript } from "@codemirror/lang-javascript";
import { markdown } from "@codemirror/lang-markdown";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState } from "@codemirror/state";
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";

// One compartment for every state: locking a file (submitted, time up) reconfigures only it.
const lock = new Compartment();

const nonceMeta = document.querySelector('meta[name="csp-nonce"]');
// Browsers without adoptedStyleSheets get <style> tags; the CSP admits them only with the nonce.
const cspNonce = nonceMeta ? [EditorView.cspNonce.of(nonceMeta.content)] : [];

// The server names each file's language (assessor/services/attempts.py, _HIGHLIGHT).
const LANGUAGES = {
  python: () => python(),
  markdown: () => markdown(),
  javascript: () => javascript(),
  go: () => go(),
  java: () => java(),
};

/**
 * Build the state of one file.
 * `onChange(state)` runs after each edit, `onPaste(chars)` on each paste, `onBlur()` when the
 * editor loses focus.
 */
export function fileState({ text, path, language, readOnly, onChange, onPaste, onBlur }) {
  const label = readOnly ? `${path} (read-only)` : `Editor: ${path}`;
  return EditorState.create({
    doc: text,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      foldGutter(),
      drawSelection(),
      dropCursor(),
      EditorState.allowMultipleSelections.of(true),
      indentOnInput(),
      indentUnit.of("    "),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      bracketMatching(),
      closeBrackets(),
      autocompletion({ activateOnTyping: false }),
      rectangularSelection(),
      crosshairCursor(),
      highlightActiveLine(),
      highlightSelectionMatches(),
      keymap.of([
        indentWithTab, // Esc then Tab still moves focus out: the editor is no keyboard trap
        ...closeBracketsKeymap,
        ...defaultKeymap,
        ...searchKeymap,
        ...historyKeymap,
        ...foldKeymap,
        ...completionKeymap,
      ]),
      EditorView.lineWrapping,
      LANGUAGES[language] ? LANGUAGES[language]() : [],
      lock.of(EditorState.readOnly.of(readOnly)),
      EditorView.contentAttributes.of({ "aria-label": label }),
      cspNonce,
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state);
      }),
      EditorView.domEventHandlers({
        paste(event) {
          const text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
          onPaste(text.length); // the size only: what was pasted never leaves the browser
          return false;
        },
        blur() {
          onBlur();
          return false;
        },
      }),
    ],
  });
}

/** Return `state` made read-only (for a submitted challenge or after the deadline). */
export function lockedState(state) {
  return state.update({ effects: lock.reconfigure(EditorState.readOnly.of(true)) }).state;
}

export function lockView(view) {
  view.dispatch({ effects: lock.reconfigure(EditorState.readOnly.of(true)) });
}

export function createView(parent, state) {
  return new EditorView({ state, parent });
}

export function replaceText(state, text) {
  return state.update({ changes: { from: 0, to: state.doc.length, insert: text } }).state;
}
