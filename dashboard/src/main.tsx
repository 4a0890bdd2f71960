import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';
import { applyTheme, storedTheme } from './theme.ts';

applyTheme(storedTheme());
render(<App />, document.getElementById('app')!);
