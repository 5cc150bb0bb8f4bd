import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { php } from "@codemirror/lang-php";
import { python } from "@codemirror/lang-python";
import { bracketMatching, defaultHighlightStyle, indentOnInput, StreamLanguage, syntaxHighlighting, type LanguageSupport } from "@codemirror/language";
import { powerShell } from "@codemirror/legacy-modes/mode/powershell";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { EditorState, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { useEffect, useRef, type ReactNode } from "react";
import { GlueType } from "../../../../../gen/jobwire/v1/job_pb.js";

/** The syntax of each GLUE script type, like XXL-JOB's IDE whose mode follows the glue type. */
function languageOf(type: GlueType): LanguageSupport | Extension {
  switch (type) {
    case GlueType.SHELL:
      return StreamLanguage.define(shell);
    case GlueType.PYTHON:
      return python();
    case GlueType.NODEJS:
      return javascript();
    case GlueType.PHP:
      return php({ plain: false });
    case GlueType.POWERSHELL:
      return StreamLanguage.define(powerShell);
    default:
      return [];
  }
}

/**
 * A CodeMirror 6 editor. `value` replaces the document when it changes from outside (e.g. a version restored);
 * edits are reported through `onChange`.
 */
export function CodeEditor(props: { value: string; glueType: GlueType; onChange: (value: string) => void; readOnly?: boolean }): ReactNode {
  const host = useRef<HTMLDivElement | null>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    if (host.current === null) return undefined;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          languageOf(props.glueType),
          EditorState.readOnly.of(props.readOnly === true),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is rebuilt only when the language changes; the document is synced by the effect below.
  }, [props.glueType, props.readOnly]);

  useEffect(() => {
    const editor = view.current;
    if (editor === null) return;
    const current = editor.state.doc.toString();
    if (current !== props.value) editor.dispatch({ changes: { from: 0, to: current.length, insert: props.value } });
  }, [props.value]);

  return <div className="code-editor" ref={host} />;
}
